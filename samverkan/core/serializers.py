"""Django's JSON serialisation with times to the microsecond, for backups.

Django's encoder cuts times to milliseconds (as JavaScript reads them); a backup must
give back exactly what was stored. Registered as the "backupjson" format.
"""

import datetime
from typing import Any

from django.core.serializers.json import Deserializer as JsonDeserializer
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JsonSerializer


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(JsonSerializer):
    def _init_options(self) -> None:
        self.options["cls"] = ExactJSONEncoder
        super()._init_options()  # type: ignore[misc]  # untyped in the stubs


Deserializer = JsonDeserializer
