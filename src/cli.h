/* Subcommands of the lookslike executable. */
#ifndef LOOKSLIKE_CLI_H
#define LOOKSLIKE_CLI_H

int cli_classify(int argc, char **argv);
int cli_serve(int argc, char **argv);

/* $LOOKSLIKE_MODEL_DIR, else the directory the build produced the models in. */
const char *cli_default_model_dir(void);

#endif
