"""Pure domain: no I/O, only the rules of money, identifiers, states and errors."""
