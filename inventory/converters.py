"""URL converters shared by the page URLconfs.

A lab has one id everywhere, its managed object id `lab-3`: the API's, the page URLs'
(/labs/lab-3/...), `createlab`'s output. Page URLs also accept the bare number (/labs/3/), as
links written before it did.
"""


class LabIdConverter:
    regex = r"(?:lab-)?[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value.removeprefix("lab-"))

    def to_url(self, value) -> str:
        return f"lab-{int(str(value).removeprefix('lab-'))}"
