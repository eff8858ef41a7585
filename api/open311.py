"""The Open311 GeoReport v2 documents: services, service definitions, requests and errors as
JSON or XML (https://wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi.responses import Response

from engine.casework.outside_requests import RequestStatus, Service

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'

Doc = dict[str, Any]


def service_doc(s: Service) -> Doc:
    return {
        "service_code": s.code,
        "service_name": s.name.zh,
        "description": f"{s.group.zh}：{s.name.zh}",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys((s.name.zh, s.name.en, s.category))),
        "group": s.group.zh,
    }


def definition_doc(s: Service) -> Doc:
    return {"service_code": s.code, "attributes": []}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def request_doc(r: RequestStatus) -> Doc:
    origin = r.origin
    return {
        "service_request_id": str(r.case_id),
        "status": "closed" if r.closed else "open",
        "status_notes": r.status_notes,
        "service_name": r.service.name.zh if r.service else None,
        "service_code": r.service.code if r.service else None,
        "description": r.description,
        "agency_responsible": r.agency,
        "service_notice": None,
        "requested_datetime": _iso(r.requested_at),
        "updated_datetime": _iso(r.updated_at),
        "expected_datetime": _iso(r.expected_at),
        "address": origin.address if origin else None,
        "address_id": None,
        "zipcode": None,
        "lat": origin.lat if origin else None,
        "long": origin.long if origin else None,
        "media_url": origin.media_url if origin else None,
    }


def created_doc(case_id: int, notice: str | None) -> Doc:
    return {"service_request_id": str(case_id), "service_notice": notice, "account_id": None}


def error_doc(code: int, description: str) -> Doc:
    return {"code": code, "description": description}


_XML_NAMES = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_item(parent: Element, tag: str, doc: Mapping[str, Any]) -> None:
    item = SubElement(parent, tag)
    for key, value in doc.items():
        if isinstance(value, list):
            SubElement(item, key)  # attributes: none are asked for
        else:
            SubElement(item, key).text = _text(value)


def _xml_bytes(root: Element) -> bytes:
    return XML_DECLARATION + tostring(root, encoding="unicode").encode("utf-8")


def answer(fmt: str, kind: str, docs: Sequence[Doc], status: int = 200) -> Response:
    """A list of documents as JSON (an array) or XML (the spec's root and item tags)."""
    if fmt == "xml":
        root_tag, item_tag = _XML_NAMES[kind]
        root = Element(root_tag)
        for doc in docs:
            _xml_item(root, item_tag, doc)
        body = _xml_bytes(root)
        return Response(body, status_code=status, media_type=XML_TYPE)
    text = json.dumps(list(docs), ensure_ascii=False)
    return Response(text.encode("utf-8"), status_code=status, media_type=JSON_TYPE)


def definition_answer(fmt: str, doc: Doc) -> Response:
    if fmt == "xml":
        root = Element("service_definition")
        SubElement(root, "service_code").text = doc["service_code"]
        SubElement(root, "attributes")
        body = _xml_bytes(root)
        return Response(body, media_type=XML_TYPE)
    return answer_object(doc)


def answer_object(doc: Doc) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False).encode("utf-8"), media_type=JSON_TYPE)
