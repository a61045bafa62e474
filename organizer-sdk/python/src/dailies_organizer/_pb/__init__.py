"""Generated from protocol/proto/organizer.proto by gen_stubs.py."""
