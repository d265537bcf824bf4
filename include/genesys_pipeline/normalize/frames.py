"""Length-prefixed pickle frames over a pipe between two processes of this package.

An 8-byte little-endian length, then the pickle. Only for pipes private to a parent and the
child it started (:mod:`genesys_pipeline.normalize.worker`): never for data from elsewhere.
"""

from __future__ import annotations

import pickle
import struct
from typing import IO, Any

FRAME = struct.Struct("<Q")


def write_frame(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(FRAME.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next message; EOFError at the end of the stream (or inside a torn frame)."""
    head = stream.read(FRAME.size)
    if len(head) != FRAME.size:
        raise EOFError("end of stream" if not head else "torn frame header")
    (size,) = FRAME.unpack(head)
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("torn frame")
    return pickle.loads(data)
