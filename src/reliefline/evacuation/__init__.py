"""Humanitarian corridors, convoys, seat allocation, manifests, boarding and arrival."""
