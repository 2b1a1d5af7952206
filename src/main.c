/* lookslike: what does this image look like? An HTTP image-classification
 * service (`lookslike serve`, the default), its command-line twin
 * (`lookslike classify IMAGE...`) and a probe of a running server's readiness
 * (`lookslike healthcheck`). */
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "classify"))
        return cli_classify(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "healthcheck"))
        return cli_healthcheck(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "serve"))
        return cli_serve(argc - 1, argv + 1);
    return cli_serve(argc, argv);
}
