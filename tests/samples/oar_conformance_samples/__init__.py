"""Sample OAR3 plugins used by oar-conformance's own tests: correct ones and faulty ones."""
