"""Local stand-ins for the channels' providers (an SMS gateway, an SMTP server, WeChat's template-message API),
faithful to their wire: the tests start them on loopback ports, and so can the demo."""
