"""Local stand-ins for the channels\x27 providers (an SMS gateway, an SMTP server, WeChat\x27s API), faithful to their wire: the tests start them, and so does the demo."""
