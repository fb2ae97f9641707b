"""Helper code the book chapters import (kept out of the pages so graded solutions are not printed)."""
