//! `#[derive(Model)]`: implements `alembic_runtime::Model` for a struct, from its
//! `#[alembic(...)]` attributes (parsed by alembic-model, the same parser autogenerate uses).
//! Metadata only: no row mapping. Mistakes are compile errors pointing at the attribute,
//! field or type. Use it through `alembic_runtime::Model` (feature `derive`).

use proc_macro::TokenStream;
use quote::quote;

/// Derives `alembic_runtime::Model`; see DESIGN §7 for the attribute keys.
#[proc_macro_derive(Model, attributes(alembic))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(input as syn::DeriveInput);
    match alembic_model::parse_model(&item) {
        Ok(model) => {
            let ident = &item.ident;
            let (impl_generics, type_generics, where_clause) = item.generics.split_for_impl();
            let Some(table) = alembic_model::Builders::absolute().table(&model.table) else {
                return syn::Error::new_spanned(
                    ident,
                    "this model declares a table the schema builders cannot express; \
                     please report it to cargo-alembic",
                )
                .to_compile_error()
                .into();
            };
            quote! {
                impl #impl_generics ::alembic_runtime::Model for #ident #type_generics #where_clause {
                    fn table() -> ::alembic_runtime::schema::Table {
                        #table
                    }
                }
            }
            .into()
        }
        Err(e) => e.to_compile_error().into(),
    }
}
