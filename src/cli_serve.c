#include <stdio.h>

#include "cli.h"

int cli_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "lookslike: the HTTP server is not built yet; use `lookslike classify IMAGE...`\n");
    return 2;
}
