#include "HeftBuildInfo.h"
#include <stddef.h>

// Scripts/install.sh writes commit.h (#define HEFT_COMMIT "…") for the length of its build and removes it after,
// so that only this file is rebuilt when the commit changes.
#if __has_include("commit.h")
#include "commit.h"
#endif

const char *heft_build_commit(void) {
#ifdef HEFT_COMMIT
    return HEFT_COMMIT;
#else
    return NULL;
#endif
}
