# placeholder: the lead owns this file; it will be replaced on merge.
