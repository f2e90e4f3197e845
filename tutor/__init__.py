"""tutor package."""
