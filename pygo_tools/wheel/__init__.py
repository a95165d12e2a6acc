"""Wheels as files: read and edit them (``contents``), check them (``checks``), put finished
ones where the user asked (``publish``). Nothing here knows about Go or the OSes."""
