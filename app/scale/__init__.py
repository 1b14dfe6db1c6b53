"""Scale-out: decode jobs on Redis Streams for `secondear worker` processes (docs/scaling.md)."""
