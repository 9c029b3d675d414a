"""A local stand-in for WeChat: its API, its pushes to the webhook, and a follower simulator."""
