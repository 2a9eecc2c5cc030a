# AOT ID: ['6_inference']
from ctypes import c_void_p, c_long, c_int
import torch
import math
import random
import os
import tempfile
from math import inf, nan
from cmath import nanj
from torch._inductor.hooks import run_intermediate_hooks
from torch._inductor.utils import maybe_profile
from torch._inductor.codegen.memory_planning import _align as align
from torch import device, empty_strided
from torch._inductor.async_compile import AsyncCompile
from torch._inductor.select_algorithm import extern_kernels

aten = torch.ops.aten
inductor_ops = torch.ops.inductor
_quantized = torch.ops._quantized
assert_size_stride = torch._C._dynamo.guards.assert_size_stride
assert_alignment = torch._C._dynamo.guards.assert_alignment
empty_strided_cpu = torch._C._dynamo.guards._empty_strided_cpu
empty_strided_cpu_pinned = torch._C._dynamo.guards._empty_strided_cpu_pinned
empty_strided_cuda = torch._C._dynamo.guards._empty_strided_cuda
empty_strided_xpu = torch._C._dynamo.guards._empty_strided_xpu
empty_strided_mtia = torch._C._dynamo.guards._empty_strided_mtia
reinterpret_tensor = torch._C._dynamo.guards._reinterpret_tensor
alloc_from_pool = torch.ops.inductor._alloc_from_pool
async_compile = AsyncCompile()
empty_strided_p2p = torch._C._distributed_c10d._SymmetricMemory.empty_strided_p2p


cpp_fused_add_div_mul_select_stack_sub_sum_0 = async_compile.cpp_pybinding(['float*', 'const float*', 'const float*', 'const float*', 'const float*', 'const float*', 'const float*', 'const float*', 'const float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*', 'float*'], r'''
#include <torch/csrc/inductor/cpp_prefix.h>
extern "C"  void  kernel(float* in_out_ptr0,
                       const float* in_ptr0,
                       const float* in_ptr1,
                       const float* in_ptr2,
                       const float* in_ptr3,
                       const float* in_ptr4,
                       const float* in_ptr5,
                       const float* in_ptr6,
                       const float* in_ptr7,
                       float* out_ptr2,
                       float* out_ptr4,
                       float* out_ptr5,
                       float* out_ptr6,
                       float* out_ptr7,
                       float* out_ptr8,
                       float* out_ptr9,
                       float* out_ptr10,
                       float* out_ptr11,
                       float* out_ptr12,
                       float* out_ptr13,
                       float* out_ptr14,
                       float* out_ptr15,
                       float* out_ptr16,
                       float* out_ptr17,
                       float* out_ptr18,
                       float* out_ptr19,
                       float* out_ptr20,
                       float* out_ptr21,
                       float* out_ptr22,
                       float* out_ptr23)
{
    std::atomic<int> inductor_cpu_integer_div_error{0};
    inductor_cpu_integer_div_error_flag = &inductor_cpu_integer_div_error;
    auto out_ptr3 = in_out_ptr0;
    {
        {
            float tmp_acc0 = 0;
            float tmp_acc1 = 0;
            float tmp_acc2 = 0;
            float tmp_acc3 = 0;
            float tmp_acc4 = 0;
            float tmp_acc5 = 0;
            float tmp_acc6 = 0;
            float tmp_acc7 = 0;
            float tmp_acc8 = 0;
            float tmp_acc9 = 0;
            CascadeSumHelper<float, 4096> scalar_cascade_helper0(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper1(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper2(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper3(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper4(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper5(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper6(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper7(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper8(static_cast<int64_t>(10000000L));
            CascadeSumHelper<float, 4096> scalar_cascade_helper9(static_cast<int64_t>(10000000L));
            for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(10000000L); x0+=static_cast<int64_t>(1L))
            {
                {
                    {
                        auto tmp0 = in_ptr0[static_cast<int64_t>(0L)];
                        auto tmp1 = in_ptr1[static_cast<int64_t>(2L*x0)];
                        auto tmp3 = in_ptr2[static_cast<int64_t>(0L)];
                        auto tmp4 = in_ptr3[static_cast<int64_t>(3L*x0)];
                        auto tmp7 = in_ptr2[static_cast<int64_t>(1L)];
                        auto tmp8 = in_ptr3[static_cast<int64_t>(1L + 3L*x0)];
                        auto tmp11 = in_ptr2[static_cast<int64_t>(2L)];
                        auto tmp12 = in_ptr3[static_cast<int64_t>(2L + 3L*x0)];
                        auto tmp15 = in_ptr0[static_cast<int64_t>(1L)];
                        auto tmp16 = in_ptr1[static_cast<int64_t>(1L + 2L*x0)];
                        auto tmp18 = in_ptr2[static_cast<int64_t>(3L)];
                        auto tmp21 = in_ptr2[static_cast<int64_t>(4L)];
                        auto tmp24 = in_ptr2[static_cast<int64_t>(5L)];
                        auto tmp2 = float(tmp0 - tmp1);
                        auto tmp5 = float(tmp3 * tmp4);
                        auto tmp6 = float(tmp2 + tmp5);
                        auto tmp9 = float(tmp7 * tmp8);
                        auto tmp10 = float(tmp6 + tmp9);
                        auto tmp13 = float(tmp11 * tmp12);
                        auto tmp14 = float(tmp10 + tmp13);
                        auto tmp17 = float(tmp15 - tmp16);
                        auto tmp19 = float(tmp18 * tmp4);
                        auto tmp20 = float(tmp17 + tmp19);
                        auto tmp22 = float(tmp21 * tmp8);
                        auto tmp23 = float(tmp20 + tmp22);
                        auto tmp25 = float(tmp24 * tmp12);
                        auto tmp26 = float(tmp23 + tmp25);
                        auto tmp27 = float(tmp26 * tmp26);
                        auto tmp28 = float(tmp14 * tmp14);
                        auto tmp29 = float(tmp14 * tmp4);
                        auto tmp30 = float(tmp14 * tmp8);
                        auto tmp31 = float(tmp14 * tmp12);
                        auto tmp32 = float(tmp26 * tmp4);
                        auto tmp33 = float(tmp26 * tmp8);
                        auto tmp34 = float(tmp26 * tmp12);
                        tmp_acc0 = cascade_sum_combine(tmp27, &scalar_cascade_helper0);
                        tmp_acc1 = cascade_sum_combine(tmp28, &scalar_cascade_helper1);
                        tmp_acc2 = cascade_sum_combine(tmp29, &scalar_cascade_helper2);
                        tmp_acc3 = cascade_sum_combine(tmp30, &scalar_cascade_helper3);
                        tmp_acc4 = cascade_sum_combine(tmp31, &scalar_cascade_helper4);
                        tmp_acc5 = cascade_sum_combine(tmp32, &scalar_cascade_helper5);
                        tmp_acc6 = cascade_sum_combine(tmp33, &scalar_cascade_helper6);
                        tmp_acc7 = cascade_sum_combine(tmp34, &scalar_cascade_helper7);
                        tmp_acc8 = cascade_sum_combine(tmp26, &scalar_cascade_helper8);
                        tmp_acc9 = cascade_sum_combine(tmp14, &scalar_cascade_helper9);
                    }
                }
            }
            tmp_acc0 = cascade_sum_final(&scalar_cascade_helper0);
            tmp_acc1 = cascade_sum_final(&scalar_cascade_helper1);
            tmp_acc2 = cascade_sum_final(&scalar_cascade_helper2);
            tmp_acc3 = cascade_sum_final(&scalar_cascade_helper3);
            tmp_acc4 = cascade_sum_final(&scalar_cascade_helper4);
            tmp_acc5 = cascade_sum_final(&scalar_cascade_helper5);
            tmp_acc6 = cascade_sum_final(&scalar_cascade_helper6);
            tmp_acc7 = cascade_sum_final(&scalar_cascade_helper7);
            tmp_acc8 = cascade_sum_final(&scalar_cascade_helper8);
            tmp_acc9 = cascade_sum_final(&scalar_cascade_helper9);
            out_ptr2[static_cast<int64_t>(0L)] = tmp_acc0;
            out_ptr3[static_cast<int64_t>(0L)] = tmp_acc1;
            out_ptr4[static_cast<int64_t>(0L)] = tmp_acc2;
            out_ptr5[static_cast<int64_t>(0L)] = tmp_acc3;
            out_ptr6[static_cast<int64_t>(0L)] = tmp_acc4;
            out_ptr7[static_cast<int64_t>(0L)] = tmp_acc5;
            out_ptr8[static_cast<int64_t>(0L)] = tmp_acc6;
            out_ptr9[static_cast<int64_t>(0L)] = tmp_acc7;
            out_ptr10[static_cast<int64_t>(0L)] = tmp_acc8;
            out_ptr11[static_cast<int64_t>(0L)] = tmp_acc9;
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr4[static_cast<int64_t>(0L)];
                out_ptr12[static_cast<int64_t>(0L)] = tmp0;
            }
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr5[static_cast<int64_t>(0L)];
                out_ptr13[static_cast<int64_t>(0L)] = tmp0;
            }
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr6[static_cast<int64_t>(0L)];
                out_ptr14[static_cast<int64_t>(0L)] = tmp0;
            }
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr7[static_cast<int64_t>(0L)];
                out_ptr15[static_cast<int64_t>(0L)] = tmp0;
            }
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr8[static_cast<int64_t>(0L)];
                out_ptr16[static_cast<int64_t>(0L)] = tmp0;
            }
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr9[static_cast<int64_t>(0L)];
                out_ptr17[static_cast<int64_t>(0L)] = tmp0;
            }
        }
    }
    {
        #pragma GCC ivdep
        for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(3L); x0+=static_cast<int64_t>(1L))
        {
            {
                {
                    auto tmp0 = in_ptr4[static_cast<int64_t>(x0)];
                    out_ptr18[static_cast<int64_t>(x0)] = tmp0;
                }
            }
        }
    }
    {
        #pragma GCC ivdep
        for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(3L); x0+=static_cast<int64_t>(1L))
        {
            {
                {
                    auto tmp0 = in_ptr5[static_cast<int64_t>(x0)];
                    out_ptr19[static_cast<int64_t>(x0)] = tmp0;
                }
            }
        }
    }
    {
        for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(6L); x0+=static_cast<int64_t>(16L))
        {
            {
                if(C10_LIKELY(x0 >= static_cast<int64_t>(0L) && x0 < static_cast<int64_t>(6L)))
                {
                    auto tmp0 = at::vec::Vectorized<float>::loadu(in_ptr6 + static_cast<int64_t>(x0), static_cast<int64_t>(6L));
                    auto tmp1 = static_cast<float>(1e-07);
                    auto tmp2 = at::vec::Vectorized<float>(tmp1);
                    auto tmp3 = tmp0 * tmp2;
                    tmp3.store(out_ptr20 + static_cast<int64_t>(x0), static_cast<int64_t>(6L));
                }
            }
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr11[static_cast<int64_t>(0L)];
                out_ptr21[static_cast<int64_t>(0L)] = tmp0;
            }
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr10[static_cast<int64_t>(0L)];
                out_ptr22[static_cast<int64_t>(0L)] = tmp0;
            }
        }
    }
    {
        #pragma GCC ivdep
        for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(2L); x0+=static_cast<int64_t>(1L))
        {
            {
                {
                    auto tmp0 = in_ptr7[static_cast<int64_t>(x0)];
                    auto tmp1 = static_cast<float>(1e-07);
                    auto tmp2 = float(tmp0 * tmp1);
                    out_ptr23[static_cast<int64_t>(x0)] = tmp2;
                }
            }
        }
    }
    {
        {
            {
                auto tmp0 = out_ptr3[static_cast<int64_t>(0L)];
                auto tmp3 = out_ptr2[static_cast<int64_t>(0L)];
                auto tmp1 = static_cast<float>(0.0);
                auto tmp2 = float(tmp0 + tmp1);
                auto tmp4 = float(tmp2 + tmp3);
                auto tmp5 = static_cast<float>(20000000.0);
                auto tmp6 = tmp4 / tmp5;
                in_out_ptr0[static_cast<int64_t>(0L)] = tmp6;
            }
        }
    }
    inductor_cpu_integer_div_error_flag = nullptr;
    inductor_cpu_throw_if_integer_div_error(inductor_cpu_integer_div_error);
}
''')


async_compile.wait(globals())
del async_compile

class Runner:
    def __init__(self, partitions):
        self.partitions = partitions

    def recursively_apply_fns(self, fns):
        new_callables = []
        for fn, c in zip(fns, self.partitions):
            new_callables.append(fn(c))
        self.partitions = new_callables

    def call(self, args):
        arg0_1, arg1_1, arg2_1, arg3_1 = args
        args.clear()
        assert_size_stride(arg1_1, (2, ), (1, ), 'input')
        assert_size_stride(arg0_1, (10000000, 2), (2, 1), 'input')
        assert_size_stride(arg3_1, (2, 3), (3, 1), 'input')
        assert_size_stride(arg2_1, (10000000, 3), (3, 1), 'input')
        buf3 = empty_strided_cpu((), (), torch.float32)
        buf1 = empty_strided_cpu((), (), torch.float32)
        buf4 = empty_strided_cpu((), (), torch.float32)
        buf5 = empty_strided_cpu((), (), torch.float32)
        buf6 = empty_strided_cpu((), (), torch.float32)
        buf11 = empty_strided_cpu((), (), torch.float32)
        buf12 = empty_strided_cpu((), (), torch.float32)
        buf13 = empty_strided_cpu((), (), torch.float32)
        buf23 = empty_strided_cpu((), (), torch.float32)
        buf22 = empty_strided_cpu((), (), torch.float32)
        buf10 = empty_strided_cpu((3, ), (1, ), torch.float32)
        buf7 = reinterpret_tensor(buf10, (1, ), (1, ), 0)  # alias
        buf8 = reinterpret_tensor(buf10, (1, ), (1, ), 1)  # alias
        buf9 = reinterpret_tensor(buf10, (1, ), (1, ), 2)  # alias
        buf17 = empty_strided_cpu((3, ), (1, ), torch.float32)
        buf14 = reinterpret_tensor(buf17, (1, ), (1, ), 0)  # alias
        buf15 = reinterpret_tensor(buf17, (1, ), (1, ), 1)  # alias
        buf16 = reinterpret_tensor(buf17, (1, ), (1, ), 2)  # alias
        buf20 = empty_strided_cpu((6, ), (1, ), torch.float32)
        buf18 = reinterpret_tensor(buf20, (3, ), (1, ), 0)  # alias
        buf19 = reinterpret_tensor(buf20, (3, ), (1, ), 3)  # alias
        buf21 = empty_strided_cpu((2, 3), (3, 1), torch.float32)
        buf26 = empty_strided_cpu((2, ), (1, ), torch.float32)
        buf24 = reinterpret_tensor(buf26, (1, ), (1, ), 0)  # alias
        buf25 = reinterpret_tensor(buf26, (1, ), (1, ), 1)  # alias
        buf27 = empty_strided_cpu((2, ), (1, ), torch.float32)
        buf28 = buf1; del buf1  # reuse
        cpp_fused_add_div_mul_select_stack_sub_sum_0(buf28, arg1_1, arg0_1, arg3_1, arg2_1, buf10, buf17, buf20, buf26, buf3, buf4, buf5, buf6, buf11, buf12, buf13, buf23, buf22, buf7, buf8, buf9, buf14, buf15, buf16, buf18, buf19, buf21, buf24, buf25, buf27)
        del arg0_1
        del arg1_1
        del arg2_1
        del arg3_1
        return (buf28, buf21, buf27, )

runner = Runner(partitions=[])
call = runner.call
recursively_apply_fns = runner.recursively_apply_fns


def get_args():
    from torch._dynamo.testing import rand_strided
    arg0_1 = rand_strided((10000000, 2), (2, 1), device='cpu', dtype=torch.float32)
    arg1_1 = rand_strided((2, ), (1, ), device='cpu', dtype=torch.float32)
    arg2_1 = rand_strided((10000000, 3), (3, 1), device='cpu', dtype=torch.float32)
    arg3_1 = rand_strided((2, 3), (3, 1), device='cpu', dtype=torch.float32)
    return [arg0_1, arg1_1, arg2_1, arg3_1]


def benchmark_compiled_module(args, times=10, repeat=10):
    from torch._inductor.utils import print_performance
    fn = lambda: call(list(args))
    return print_performance(fn, times=times, repeat=repeat, device='cpu')


if __name__ == "__main__":
    from torch._inductor.wrapper_benchmark import compiled_module_main
    args = get_args()
    compiled_module_main('None', lambda times, repeat: benchmark_compiled_module(args, times=times, repeat=repeat))
