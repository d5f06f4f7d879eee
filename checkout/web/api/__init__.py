"""The JSON API: the original Node/Express paths and camelCase field names."""
