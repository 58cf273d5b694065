"""fixsrc: an editable install through a path in a .pth file."""
