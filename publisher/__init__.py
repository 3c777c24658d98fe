"""publisher: the aiohttp side of pinrules (Pinterest API v5). Under construction; see the issues."""
