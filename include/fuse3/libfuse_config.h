/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfuse_config.h - facts about this fastfuse build that the other public
 * headers consume: which libfuse release the headers stand in for and that
 * the library exports ELF-versioned symbols. Static, not generated.
 */
#ifndef FASTFUSE_LIBFUSE_CONFIG_H_
#define FASTFUSE_LIBFUSE_CONFIG_H_

/*
 * libfuse 3.17+ takes its version numbers from this file, 3.14 from
 * fuse_common.h; keeping them here serves both. The numbers select which
 * symbol each FUSE_USE_VERSION mapping resolves to, so they follow the ABI.
 */
#ifdef FASTFUSE_ABI_314
#define FUSE_MAJOR_VERSION 3
#define FUSE_MINOR_VERSION 14
#define FUSE_HOTFIX_VERSION 0
#else
#define FUSE_MAJOR_VERSION 3
#define FUSE_MINOR_VERSION 18
/* 3.18.1 is the first 3.18 with the final symbol-version layout. */
#define FUSE_HOTFIX_VERSION 1
#endif

/*
 * Always set: the library carries .symver aliases, so the headers may bind
 * plain names (fuse_parse_cmdline, fuse_loop_mt, ...) to default versions.
 */
#define LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS 1

#endif /* FASTFUSE_LIBFUSE_CONFIG_H_ */
