"""Pinterest's answers, validated (pydantic): only the fields pinrules uses, extra ones kept."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class PinMedia(_Answer):
    """A pin's media as Pinterest shows it (`PinMedia`): its type and, for a video, the cover.
    Neither the source image URL nor the uploaded media id is shown."""

    media_type: str | None = None
    cover_image_url: str | None = None


class Pin(_Answer):
    id: str
    board_id: str | None = None
    board_section_id: str | None = None
    title: str | None = None
    description: str | None = None
    link: str | None = None
    alt_text: str | None = None
    created_at: str | None = None
    media: PinMedia | None = None

    @property
    def url(self) -> str:
        return f"https://www.pinterest.com/pin/{self.id}/"


class MediaUpload(_Answer):
    media_id: str
    media_type: str | None = None
    upload_url: str
    upload_parameters: dict[str, str] = {}


class Media(_Answer):
    media_id: str
    media_type: str | None = None
    status: str | None = None


class Board(_Answer):
    id: str
    name: str | None = None
    privacy: str | None = None


class Account(_Answer):
    username: str | None = None
    id: str | None = None
