/* placeholder: AC_CONFIG_SRCDIR; the real fcgi/main.c comes from main. */
