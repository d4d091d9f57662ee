"""Decodes Confluent-wire-format records with Apache Avro's Python library (Debian's python3-avro), a reader that
shares no code with ours: it fetches the writer schema by id from the registry's Confluent API, as Python
Confluent-format deserializers do. Usage: python3 decode.py REGISTRY_URL FILE...  (one JSON line per file)"""
import base64
import datetime
import io
import json
import struct
import sys
import urllib.request

import avro.io
import avro.schema


def writer_schema(url, schema_id, cache={}):
    if schema_id not in cache:
        with urllib.request.urlopen(f"{url}/schemas/ids/{schema_id}") as answer:
            cache[schema_id] = avro.schema.parse(json.load(answer)["schema"])
    return cache[schema_id]


def decode(url, data):
    magic, schema_id = struct.unpack(">bI", data[:5])
    if magic != 0:
        raise ValueError(f"magic byte {magic}, expected 0")
    reader = avro.io.DatumReader(writer_schema(url, schema_id))
    return reader.read(avro.io.BinaryDecoder(io.BytesIO(data[5:])))


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(value):
    # timestamp-millis comes back as a datetime: print epoch millis, the value on the wire
    if isinstance(value, datetime.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        return (aware - EPOCH) // datetime.timedelta(milliseconds=1)
    # bytes are not JSON: base64, as the Node reader prints them
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def main():
    url, *files = sys.argv[1:]
    for name in files:
        with open(name, "rb") as f:
            print(json.dumps(plain(decode(url, f.read()))))


main()
