"""csj's editor- and admin-facing side: syndication, the CLI, the WeChat sandbox."""
