/* Subcommands of the lookslike executable. */
#ifndef LOOKSLIKE_CLI_H
#define LOOKSLIKE_CLI_H

int cli_classify(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_healthcheck(int argc, char **argv);

#endif
