"""The logbook as a column table: a pandas DataFrame when pandas is installed, otherwise
`Logbook`, which answers what a DEAP user asks of a logbook (`logbook["min"]`,
`logbook.select("gen", "min")`, `len()`, iteration over rows as dicts) without pandas.
"""

import numpy as np

try:
    import pandas
except ImportError:
    pandas = None


class Logbook:
    """Columns of equal length, in the order of logbook.csv."""

    def __init__(self, columns):
        self._columns = dict(columns)
        lengths = {len(values) for values in self._columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"logbook columns differ in length: {sorted(lengths)}")

    @property
    def columns(self):
        return list(self._columns)

    def __getitem__(self, name):
        try:
            return self._columns[name]
        except KeyError:
            raise KeyError(f"no logbook column {name!r}; columns: {', '.join(self._columns)}")

    def __contains__(self, name):
        return name in self._columns

    def select(self, *names):
        """As DEAP's Logbook.select: one column as a list, several as a tuple of lists."""
        values = tuple(self[name].tolist() for name in names)
        return values[0] if len(values) == 1 else values

    def __len__(self):
        return len(next(iter(self._columns.values()), ()))

    def __iter__(self):
        for row in range(len(self)):
            yield {name: values[row].item() for name, values in self._columns.items()}

    def to_pandas(self):
        if pandas is None:
            raise ImportError("pandas is not installed")
        return pandas.DataFrame(self._columns)

    def __repr__(self):
        return f"Logbook({len(self)} rows: {', '.join(self._columns)})"


def make_logbook(columns, use_pandas=None):
    """A DataFrame when `use_pandas` (default: when pandas is installed), else a Logbook."""
    if use_pandas is None:
        use_pandas = pandas is not None
    table = Logbook({name: np.asarray(values) for name, values in columns.items()})
    return table.to_pandas() if use_pandas else table
