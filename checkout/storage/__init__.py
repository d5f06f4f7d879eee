"""The only modules that talk to MongoDB and Redis: small verb-named functions."""
