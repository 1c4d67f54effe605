/*
 * irx.h: the whole public API of libirx.
 */
#ifndef IRX_H
#define IRX_H

#include "irx/common.h"
#include "irx/version.h"
#include "irx/error.h"
#include "irx/blob.h"
#include "irx/zip.h"
#include "irx/archive.h"
#include "irx/dtype.h"
#include "irx/tensor.h"
#include "irx/compare.h"
#include "irx/json.h"
#include "irx/program.h"
#include "irx/schema.h"
#include "irx/convert.h"
#include "irx/ir.h"
#include "irx/dump.h"
#include "irx/view.h"
#include "irx/trace.h"
#include "irx/torchscript.h"

#endif
