/* CLONES_AVX2: a function the compiler vectorises, cloned for AVX2 and chosen
 * at load time by the CPU (GCC's target_clones) on x86-64; elsewhere the one
 * function the target's own vectors make of it (NEON on arm64). */
#ifndef LOOKSLIKE_CLONES_H
#define LOOKSLIKE_CLONES_H

#ifdef __x86_64__
#define CLONES_AVX2 __attribute__((target_clones("avx2", "default")))
#else
#define CLONES_AVX2
#endif

#endif
