"""The national portal's record format, shared by every connector: status vocabulary, field
readers, the record parser, the webhook envelope and its signature."""
