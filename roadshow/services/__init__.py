"""The domain: plain functions on models and a session. No request, no templates."""
