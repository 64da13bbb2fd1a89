"""The dashboard's web server."""
