#ifndef XMPPSCOPE_FUZZER_DRIVER_H
#define XMPPSCOPE_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for a program that has its own main (LLVM 12 and later): parses
/// libFuzzer's flags from argv and runs `callback` as LLVMFuzzerTestOneInput.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
