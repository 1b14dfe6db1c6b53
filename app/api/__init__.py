"""HTTP and WebSocket routes: calls, reports, pages, and the audio and events sockets."""
