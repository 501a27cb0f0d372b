"""The published schema (/openapi.json) of an item: one variant per domain, told apart by
`domain`, each with that domain's reference and options models (the very models
`score.item_errors` validates with) and this server's REWARD_MAX_TIMEOUT_S. What JSON Schema
cannot say is checked on top: rules across fields (code tests that need an entry point), the
nesting limit and REWARD_MAX_ITEMS; such a body is a 422 naming the rule."""

from typing import Annotated, Literal, Union

from fastapi import FastAPI
from pydantic import Field, TypeAdapter, create_model

from reward_service.config import Settings
from reward_service.schemas import Item
from reward_service.verifiers import DOMAINS, Domain, domain_names

__all__ = ["publish_domains", "item_variants"]


def item_variants(settings: Settings) -> list[type]:
    """One pydantic model per domain: the shape of an item of that domain."""
    return [_variant(DOMAINS[name], settings) for name in domain_names()]


def _variant(domain: Domain, settings: Settings) -> type:
    """`Item` with this domain's name, reference and options in place of the free-form ones."""
    title = domain.name.capitalize()
    options = create_model(
        f"{title}Options",
        __base__=domain.options,
        timeout_s=(
            float | None,
            Field(
                None,
                ge=0.1,
                le=settings.max_timeout_s,
                allow_inf_nan=False,
                description="Wall-clock limit for this item's check, seconds.",
            ),
        ),
    )
    return create_model(
        f"{title}Item",
        __base__=Item,
        domain=(Literal[domain.name], Field(description=domain.description)),
        reference=(domain.reference, ...),
        options=(options, Field(default_factory=options)),
    )


def publish_domains(app: FastAPI, settings: Settings) -> None:
    """Make the app's OpenAPI document describe items per domain instead of as free dicts."""
    plain = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        document = plain()
        union = Annotated[Union[tuple(item_variants(settings))], Field(discriminator="domain")]
        item = TypeAdapter(union).json_schema(ref_template="#/components/schemas/{model}")
        schemas = document["components"]["schemas"]
        schemas.update(item.pop("$defs", {}))
        schemas["Item"] = {**item, "title": "Item", "description": "One item to score; its domain decides the rest."}
        app.openapi_schema = document
        return document

    app.openapi = openapi
