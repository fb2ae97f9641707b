"""What the softmax-regression course's exercise notebooks import."""
