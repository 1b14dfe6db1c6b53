"""Who is asking and what they may do: passwords, the signed-in principal, one FastAPI dependency
per access rule (`app/auth/rules.py`), the login rate limit, and keeping tokens out of logs."""
