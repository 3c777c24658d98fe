"""publisher: the aiohttp side of pinrules, for the Pinterest API v5 (see the publisher issue)."""
