/* disk_problem_report: one problem, its sentence formatted. */
#include "disk_problem.h"

#include <stdarg.h>
#include <stdio.h>

void disk_problem_report(disk_problem_sink sink, void *ctx, disk_problem_kind kind,
                         const char *name, uint64_t offset, uint64_t length,
                         const char *format, ...)
{
    disk_problem problem = { kind, name, offset, length, "" };
    va_list args;
    va_start(args, format);
    vsnprintf(problem.meaning, sizeof problem.meaning, format, args);
    va_end(args);
    sink(ctx, &problem);
}
