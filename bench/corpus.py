"""A deterministic corpus of realistic posts: mostly valid, some with the usual mistakes."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

WORDS = [
    "pumpkin",
    "soup",
    "sage",
    "roasted",
    "autumn",
    "bread",
    "sourdough",
    "tart",
    "apple",
    "knife",
    "skills",
    "winter",
    "stew",
]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_post(rng: random.Random, number: int) -> dict[str, Any]:
    kind = "video" if rng.random() < 0.25 else "image"
    media: dict[str, Any] = {"kind": kind}
    if kind == "image":
        media["url"] = f"https://cdn.example.com/{number}.jpg"
        media["mimeType"] = rng.choice(["image/jpeg", "image/png", "image/webp"])
    else:
        media["url"] = f"https://cdn.example.com/{number}.mp4"
        media["mimeType"] = "video/mp4"
    pinterest: dict[str, Any] = {
        "boardId": str(rng.randrange(10**11, 10**12)),
        "destinationUrl": f"https://example.com/recipes/{number}",
        "altText": _sentence(rng, 6),
    }
    if kind == "video":
        pinterest["coverImageUrl"] = f"https://cdn.example.com/{number}-cover.jpg"
    post: dict[str, Any] = {
        "id": f"post-{number}",
        "accountId": "acc_main",
        "title": _sentence(rng, 4),
        "text": _sentence(rng, rng.randrange(5, 40)),
        "media": [media],
        "scheduledAt": f"2026-12-{rng.randrange(1, 29):02d}T09:00:00Z",
        "options": {"pinterest": pinterest},
    }
    mistake = rng.random()
    if mistake < 0.04:
        del pinterest["boardId"]
    elif mistake < 0.07:
        pinterest["boardID"] = pinterest.pop("boardId")
    elif mistake < 0.09:
        post["title"] = _sentence(rng, 30)
    return post


def posts(count: int, seed: int = 20261128) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_post(rng, n) for n in range(count)]


def write_files(directory: Path, count: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.json"):
        stale.unlink()
    paths = []
    for number, post in enumerate(posts(count)):
        path = directory / f"post-{number:05d}.json"
        path.write_text(json.dumps(post, indent=2), encoding="utf-8")
        paths.append(path)
    return paths
