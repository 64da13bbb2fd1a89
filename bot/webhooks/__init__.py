"""Pushed events: Meta webhooks received, stored first, then processed into comments."""
