/* lookslike: what does this image look like? An HTTP image-classification
 * service (`lookslike serve`, the default) and its command-line twin
 * (`lookslike classify IMAGE...`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifndef LOOKSLIKE_MODEL_DIR
#define LOOKSLIKE_MODEL_DIR "models"
#endif

const char *cli_default_model_dir(void)
{
    const char *env = getenv("LOOKSLIKE_MODEL_DIR");
    return env && *env ? env : LOOKSLIKE_MODEL_DIR;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "classify"))
        return cli_classify(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "serve"))
        return cli_serve(argc - 1, argv + 1);
    return cli_serve(argc, argv);
}
