"""Wrong and right implementations of every assignment (see ``support.corpus``)."""
