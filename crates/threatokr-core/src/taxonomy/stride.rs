//! STRIDE → theme: the fallback for threats without a known CWE.
//!
//! Each STRIDE category names the security property it violates (Microsoft SDL): spoofing breaks
//! authentication, tampering breaks integrity (most often through untrusted input), repudiation
//! breaks accountability (logs), information disclosure breaks confidentiality, denial of service
//! breaks availability, elevation of privilege breaks authorization.

use crate::model::{Stride, Theme};

/// The fallback table, one row per STRIDE category.
pub const STRIDE_THEMES: &[(Stride, Theme)] = &[
    (Stride::Spoofing, Theme::Authentication),
    (Stride::Tampering, Theme::InputValidationInjection),
    (Stride::Repudiation, Theme::LoggingMonitoring),
    (Stride::InformationDisclosure, Theme::DataProtection),
    (Stride::DenialOfService, Theme::Availability),
    (Stride::ElevationOfPrivilege, Theme::AccessControl),
];

/// The theme of a STRIDE category.
pub fn theme_of_stride(stride: Stride) -> Theme {
    match stride {
        Stride::Spoofing => Theme::Authentication,
        Stride::Tampering => Theme::InputValidationInjection,
        Stride::Repudiation => Theme::LoggingMonitoring,
        Stride::InformationDisclosure => Theme::DataProtection,
        Stride::DenialOfService => Theme::Availability,
        Stride::ElevationOfPrivilege => Theme::AccessControl,
    }
}

/// The category that decides when a threat lists several: the first in S-T-R-I-D-E order, so the
/// answer does not depend on the order the source listed them in.
pub fn primary(categories: &[Stride]) -> Option<Stride> {
    categories.iter().copied().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_function_agree_for_every_category() {
        assert_eq!(STRIDE_THEMES.len(), Stride::ALL.len());
        for &(stride, theme) in STRIDE_THEMES {
            assert_eq!(theme_of_stride(stride), theme);
        }
    }

    #[test]
    fn maps_each_category_to_the_property_it_breaks() {
        assert_eq!(theme_of_stride(Stride::Spoofing), Theme::Authentication);
        assert_eq!(theme_of_stride(Stride::Tampering), Theme::InputValidationInjection);
        assert_eq!(theme_of_stride(Stride::Repudiation), Theme::LoggingMonitoring);
        assert_eq!(theme_of_stride(Stride::InformationDisclosure), Theme::DataProtection);
        assert_eq!(theme_of_stride(Stride::DenialOfService), Theme::Availability);
        assert_eq!(theme_of_stride(Stride::ElevationOfPrivilege), Theme::AccessControl);
    }

    #[test]
    fn primary_category_is_the_first_in_stride_order() {
        assert_eq!(
            primary(&[Stride::ElevationOfPrivilege, Stride::Tampering]),
            Some(Stride::Tampering)
        );
        assert_eq!(
            primary(&[Stride::Tampering, Stride::ElevationOfPrivilege]),
            Some(Stride::Tampering)
        );
        assert_eq!(primary(&[]), None);
    }
}
