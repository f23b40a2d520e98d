/* IVsDiskProblem: one problem IVsDiskHardDisk3.Check found (disk_problem.h), as a small
 * read-only object a script reads by name: Name, Kind, File, Offset, Length, Meaning. */
#ifndef VSDISK_PROBLEM_H
#define VSDISK_PROBLEM_H

#include <windows.h>
#include <ole2.h>
#include "disk_problem.h"

/* A new problem object (reference 1) for problem, found in file. E_OUTOFMEMORY. */
HRESULT problem_create(const WCHAR *file, const disk_problem *problem, IDispatch **out);

#endif
