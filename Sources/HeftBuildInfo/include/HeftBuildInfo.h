#ifndef HEFT_BUILD_INFO_H
#define HEFT_BUILD_INFO_H

/// The git commit the binary was built from, as Scripts/install.sh records it, or NULL
/// for a build that did not name one (plain `swift build`).
const char *heft_build_commit(void);

#endif
