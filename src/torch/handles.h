/*
 * handles.h: what irx/torch.h's handles are, for the shim's C++ files
 * (shim.cpp, ts-walk.cpp).  Private to libirx-torch.
 */
#ifndef IRX_TORCH_HANDLES_H
#define IRX_TORCH_HANDLES_H

#include <ATen/ATen.h>

#include <string>
#include <vector>

struct irx_th {
	at::Tensor t;
};

struct irx_th_results {
	std::vector<irx_th_value> values;
	std::vector<irx_th *> tensors; /* owned */
	std::vector<std::vector<irx_th *>> lists;
	std::vector<std::vector<int64_t>> ints;
	std::vector<std::vector<double>> floats;
	std::vector<std::string> strs;
	~irx_th_results()
	{
		for (irx_th *t : tensors)
			delete t;
	}
};

#endif
