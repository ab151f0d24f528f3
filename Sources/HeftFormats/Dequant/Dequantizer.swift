import HeftKernels

/// Turns stored ggml blocks back into float32 values, bit for bit as the reference dequantizers do.
///
/// Each block layout follows ggml-common.h; the order of floating-point operations follows gguf-py's
/// `dequantize_blocks` (for example `d·q − dm`, with `d = d_super × scale` rounded first), so that the results
/// equal the reference's float32 output exactly — the golden vectors in the fixtures check every type here.
/// Callers guarantee that `source` holds `count / blockSize` whole blocks (the GGUF reader has validated sizes).
public enum Dequantizer {
    /// The types with a dequantizer: every type gguf-py can dequantize.
    public static let supported: Set<String> = [
        "F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
        "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0",
        "MXFP4", "NVFP4",
    ]

    public static func supports(_ type: GGMLType) -> Bool { supported.contains(type.name) }

    /// The 16 non-linear levels of IQ4_NL / IQ4_XS (`kvalues_iq4nl`).
    static let iq4Levels: [Float] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]
    /// E2M1 values doubled (`kvalues_mxfp4`); the E8M0 scale is halved to match.
    static let mxfp4Levels: [Float] = [0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12]

    @inline(__always) static func u8(_ p: UnsafeRawPointer, _ i: Int) -> UInt8 { p.load(fromByteOffset: i, as: UInt8.self) }
    @inline(__always) static func u16(_ p: UnsafeRawPointer, _ i: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt16.self))
    }
    @inline(__always) static func u32(_ p: UnsafeRawPointer, _ i: Int) -> UInt32 {
        UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }
    @inline(__always) static func f16(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt16.self))))
    }

    /// Dequantizes `count` elements of `type` from `source` into `destination`.
    public static func dequantize(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>) {
        let blocks = count / type.blockSize
        let size = type.bytesPerBlock
        switch type.name {
        case "F32":
            for i in 0..<count { y[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case "F16", "BF16":
            // Vector C (F16C where the CPU has it); Swift's own Float16 conversion is software on baseline x86-64.
            heft_widen(UInt32(type.id), source, count, y)
        default:
            // The common types run as vector C code (HeftKernels/Dequantize.c); the rest here, block by block.
            if heft_dequantize(UInt32(type.id), source, blocks, y) != 0 { return }
            for b in 0..<blocks { block(type.name, source + b * size, y + b * type.blockSize) }
        }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    static func block(_ name: String, _ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        switch name {
        case "Q4_1":  // d, m, qs[16]: d·q + m
            let d = f16(p, 0), m = f16(p, 2)
            for k in 0..<16 {
                let q = u8(p, 4 + k)
                y[k] = d * Float(q & 0xF) + m
                y[k + 16] = d * Float(q >> 4) + m
            }
        case "Q5_0", "Q5_1":  // d, [m], qh (u32), qs[16]
            let hasMin = name == "Q5_1"
            let d = f16(p, 0), m: Float = hasMin ? f16(p, 2) : 0
            let o = hasMin ? 4 : 2
            let qh = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self))
            for k in 0..<16 {
                let q = u8(p, o + 4 + k)
                let lo = Int(q & 0xF) | Int((qh >> UInt32(k)) & 1) << 4
                let hi = Int(q >> 4) | Int((qh >> UInt32(k + 16)) & 1) << 4
                if hasMin {
                    y[k] = d * Float(lo) + m
                    y[k + 16] = d * Float(hi) + m
                } else {
                    y[k] = d * Float(lo - 16)
                    y[k + 16] = d * Float(hi - 16)
                }
            }
        case "Q2_K":  // scales[16], qs[64], d, dmin: dl·q − ml per 16
            let d = f16(p, 80), dmin = f16(p, 82)
            for e in 0..<256 {
                let half = e / 128, r = e % 128, shift = (r / 32) * 2, b = r % 32
                let q = Float((u8(p, 16 + half * 32 + b) >> UInt8(shift)) & 3)
                let sc = u8(p, e / 16)
                let dl = d * Float(sc & 0xF), ml = dmin * Float(sc >> 4)
                y[e] = dl * q - ml
            }
        case "Q3_K":  // hmask[32], qs[64], scales[12], d
            let d = f16(p, 108)
            var dl = [Float](repeating: 0, count: 16)
            for i in 0..<16 {
                let low = (u8(p, 96 + i % 8) >> UInt8(4 * (i / 8))) & 0xF
                let high = (u8(p, 104 + i % 4) >> UInt8(2 * (i / 4))) & 3
                dl[i] = d * Float(Int(Int8(bitPattern: low | high << 4)) - 32)
            }
            for e in 0..<256 {
                let half = e / 128, r = e % 128, shift = (r / 32) * 2, b = r % 32
                let low = Int((u8(p, 32 + half * 32 + b) >> UInt8(shift)) & 3)
                let bit = Int((u8(p, e % 32) >> UInt8(e / 32)) & 1)
                y[e] = dl[e / 16] * Float(low - ((bit ^ 1) << 2))
            }
        case "IQ4_NL":  // d, qs[16] → levels
            let d = f16(p, 0)
            for k in 0..<16 {
                let q = u8(p, 2 + k)
                y[k] = d * iq4Levels[Int(q & 0xF)]
                y[k + 16] = d * iq4Levels[Int(q >> 4)]
            }
        case "IQ4_XS":  // d, scales_h (u16), scales_l[4], qs[128]
            let d = f16(p, 0)
            let high = UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            for ib in 0..<8 {
                let low = (u8(p, 4 + ib / 2) >> UInt8(4 * (ib % 2))) & 0xF
                let h = UInt8((high >> UInt16(2 * ib)) & 3)
                let dl = d * Float(Int(Int8(bitPattern: low | h << 4)) - 32)
                for k in 0..<16 {
                    let q = u8(p, 8 + ib * 16 + k)
                    y[ib * 32 + k] = dl * iq4Levels[Int(q & 0xF)]
                    y[ib * 32 + 16 + k] = dl * iq4Levels[Int(q >> 4)]
                }
            }
        case "TQ2_0":  // qs[64], d: (q − 1)·d
            let d = f16(p, 64)
            for e in 0..<256 {
                let half = e / 128, r = e % 128
                y[e] = d * Float(Int((u8(p, half * 32 + r % 32) >> UInt8(2 * (r / 32))) & 3) - 1)
            }
        case "TQ1_0":  // qs[48], qh[4], d: base-3 digits via (q·3^n mod 256)·3 >> 8
            let d = f16(p, 52)
            let powers: [UInt8] = [1, 3, 9, 27, 81]
            func trit(_ byte: UInt8, _ n: Int) -> Float { Float(Int((UInt16(byte &* powers[n]) * 3) >> 8) - 1) }
            var e = 0
            for n in 0..<5 { for m in 0..<32 { y[e] = d * trit(u8(p, m), n); e += 1 } }
            for n in 0..<5 { for m in 0..<16 { y[e] = d * trit(u8(p, 32 + m), n); e += 1 } }
            for n in 0..<4 { for j in 0..<4 { y[e] = d * trit(u8(p, 48 + j), n); e += 1 } }
        case "MXFP4":  // e (E8M0), qs[16]
            let exponent = u8(p, 0)
            let bits: UInt32 = exponent < 2 ? 0x0020_0000 << UInt32(exponent) : UInt32(exponent - 1) << 23
            let d = Float(bitPattern: bits)
            for k in 0..<16 {
                let q = u8(p, 1 + k)
                y[k] = d * mxfp4Levels[Int(q & 0xF)]
                y[k + 16] = d * mxfp4Levels[Int(q >> 4)]
            }
        case "NVFP4":  // 4 × UE4M3 scale (one per 16), qs[32]
            for s in 0..<4 {
                let d = ue4m3(u8(p, s))
                for k in 0..<8 {
                    let q = u8(p, 4 + 8 * s + k)
                    y[16 * s + k] = d * mxfp4Levels[Int(q & 0xF)]
                    y[16 * s + 8 + k] = d * mxfp4Levels[Int(q >> 4)]
                }
            }
        default:
            lattice(name, p, y)
        }
    }

    /// The IQ1/IQ2/IQ3 types: groups of 4 or 8 values stored as an index into a lattice (``IQGrid``), a scale per
    /// 16 or 32 values and sign bits. Operation order as gguf-py: `(d·(½ + s)·¼)·grid·±1`, `d·(1 + 2s)·grid·±1`,
    /// and for IQ1 `d·(2s + 1)·(grid ± ⅛)`.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    static func lattice(_ name: String, _ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        switch name {
        case "IQ2_XXS":  // d, 8 × (u32 four grid indices, u32 four 7-bit signs + 4-bit scale)
            let d = f16(p, 0)
            for ib in 0..<8 {
                let indices = u32(p, 2 + 8 * ib), aux = u32(p, 6 + 8 * ib)
                let db = d * (0.5 + Float(aux >> 28)) * 0.25
                for l in 0..<4 {
                    let row = Int((indices >> UInt32(8 * l)) & 0xFF)
                    IQGrid.iq2xxs.emit(row, scale: db, signs: IQGrid.signs(aux >> UInt32(7 * l)), into: y + 32 * ib + 8 * l)
                }
            }
        case "IQ2_XS":  // d, qs[32] u16 (9-bit index, 7-bit signs), scales[8] (a nibble per 16)
            let d = f16(p, 0)
            for i in 0..<32 {
                let q = u16(p, 2 + 2 * i)
                let db = d * (0.5 + Float(nibble(p, 66, i / 2))) * 0.25
                IQGrid.iq2xs.emit(Int(q & 511), scale: db, signs: IQGrid.signs(UInt32(q >> 9)), into: y + 8 * i)
            }
        case "IQ2_S":  // d, qs[32], signs[32], qh[8] (2 high index bits each), scales[8]
            let d = f16(p, 0)
            for i in 0..<32 {
                let row = Int(u8(p, 2 + i)) | Int((u8(p, 66 + i / 4) >> UInt8(2 * (i % 4))) & 3) << 8
                let db = d * (0.5 + Float(nibble(p, 74, i / 2))) * 0.25
                IQGrid.iq2s.emit(row, scale: db, signs: u8(p, 34 + i), into: y + 8 * i)
            }
        case "IQ3_XXS":  // d, qs[64] grid indices (4 values each), 8 × u32 (four 7-bit signs + 4-bit scale)
            let d = f16(p, 0)
            for ib in 0..<8 {
                let aux = u32(p, 66 + 4 * ib)
                let db = d * (0.5 + Float(aux >> 28)) * 0.5
                for l in 0..<4 {
                    let signs = IQGrid.signs(aux >> UInt32(7 * l))
                    let out = y + 32 * ib + 8 * l
                    IQGrid.iq3xxs.emit(Int(u8(p, 2 + 8 * ib + 2 * l)), scale: db, signs: signs, into: out)
                    IQGrid.iq3xxs.emit(Int(u8(p, 3 + 8 * ib + 2 * l)), scale: db, signs: signs >> 4, into: out + 4)
                }
            }
        case "IQ3_S":  // d, qs[64], qh[8] (one high index bit each), signs[32], scales[4] (a nibble per 32)
            let d = f16(p, 0)
            for i in 0..<64 {
                let row = Int(u8(p, 2 + i)) | Int((u8(p, 66 + i / 8) >> UInt8(i % 8)) & 1) << 8
                let db = d * Float(1 + 2 * Int(nibble(p, 106, i / 8)))
                IQGrid.iq3s.emit(row, scale: db, signs: u8(p, 74 + i / 2) >> UInt8(4 * (i % 2)), into: y + 4 * i)
            }
        case "IQ1_S":  // d, qs[32], qh[8] u16 (3 high index bits × 4, 3-bit scale, delta sign)
            let d = f16(p, 0)
            for ib in 0..<8 {
                let h = u16(p, 34 + 2 * ib)
                let dl = d * Float(2 * Int((h >> 12) & 7) + 1)
                let delta: Float = h & 0x8000 == 0 ? 0.125 : -0.125
                for l in 0..<4 {
                    let row = Int(u8(p, 2 + 4 * ib + l)) | Int((h >> UInt16(3 * l)) & 7) << 8
                    IQGrid.iq1s.emitShifted(row, scale: dl, delta: delta, into: y + 32 * ib + 8 * l)
                }
            }
        case "IQ1_M":  // qs[32], qh[16] (a nibble per group: 3 high index bits, delta sign), scales[4] u16
            let s = (0..<4).map { u16(p, 48 + 2 * $0) }  // 3-bit scales; their top nibbles together are d
            let d = Float(Float16(bitPattern: s[0] >> 12 | (s[1] >> 8) & 0xF0 | (s[2] >> 4) & 0xF00 | s[3] & 0xF000))
            for i in 0..<32 {
                let scale = (s[i / 8] >> UInt16(3 * ((i / 2) % 4))) & 7
                let dl = d * Float(2 * Int(scale) + 1)
                let high = (u8(p, 32 + i / 2) >> UInt8(4 * (i % 2))) & 0xF
                let delta: Float = high & 8 == 0 ? 0.125 : -0.125
                IQGrid.iq1s.emitShifted(Int(u8(p, i)) | Int(high & 7) << 8, scale: dl, delta: delta, into: y + 8 * i)
            }
        default:
            preconditionFailure("no dequantizer for \(name); check Dequantizer.supports first")
        }
    }

    /// Nibble `k` of the bytes at `offset`: low nibble first.
    @inline(__always) static func nibble(_ p: UnsafeRawPointer, _ offset: Int, _ k: Int) -> UInt8 {
        (u8(p, offset + k / 2) >> UInt8(4 * (k % 2))) & 0xF
    }

    /// NVFP4's unsigned E4M3 scale, halved to match the doubled E2M1 levels; 0x7F (NaN) reads as 0, as gguf-py.
    static func ue4m3(_ x: UInt8) -> Float {
        if x == 0 || x == 0x7F { return 0 }
        let exponent = Int((x >> 3) & 0xF), mantissa = Float(x & 7)
        let value = exponent == 0 ? mantissa * 0x1p-9 : (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1)
        return value * 0.5
    }
}
