"""Quart's JSON goes through the app's one encoding (checkout/jsonenc.py): numbers parse to
Decimal, Decimal prints as a number."""

from quart.json.provider import DefaultJSONProvider

from ..jsonenc import dumps, loads

parse = loads  # the name the web layer and the tests use


class MoneyJSONProvider(DefaultJSONProvider):
    def dumps(self, obj, **kwargs) -> str:
        # Only layout may vary (indent in debug mode); the encoding itself is jsonenc's.
        return dumps(obj, indent=kwargs.get("indent"))

    def loads(self, s, **kwargs):
        return loads(s)
