/* Where this program's own helper files are (the libdarknet engine plugin,
 * the WebP decoder process): a program that runs from the build tree uses the
 * build tree's, any other (an installed binary) only the installed one, so
 * that a file planted in a leftover build directory (in the container it was
 * under a writable /tmp) is never loaded or run. Thread-safe. */
#ifndef LOOKSLIKE_OWN_FILES_H
#define LOOKSLIKE_OWN_FILES_H

/* build_path when the running executable lies under LOOKSLIKE_BUILD_ROOT, else installed_path. */
const char *own_file(const char *build_path, const char *installed_path);

#endif
