// Only the declaration in include/fuzzer_driver.h is needed; libFuzzer (-sanitize=fuzzer) defines it.
#include "fuzzer_driver.h"
